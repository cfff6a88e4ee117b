-- Writes per caller per minute, counted where every gateway on the database sees them.
CREATE TABLE rate_windows (
    scope        TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (scope, window_start)
);
