//! Artisans and merchants (gestioni artigiani e commercianti): fixed contributions on the year's
//! minimum income, paid in four instalments at the dates the year's circular publishes, one
//! pagoPA notice each. A quarter's contributions are owed for each month of activity in it;
//! paying its notice credits those months to the statement.
//!
//! Amounts by month use cumulative rounding — the quarter ending in month m costs
//! round(yearly × m ÷ 12) − round(yearly × (first month − 1) ÷ 12) — so a year's notices add
//! up to the yearly figure exactly.
//!
//! Keys:
//! - `positions/<fiscal code>`: the position (fund, start date, years whose notices exist);
//! - `calendar/self-employed`: the last year whose notices every position has, and where the
//!   issuing of the next year stopped (the daily sweep issues a new year's notices in batches).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::money::round_div;
use welfare_guest::store;
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};

use crate::fund::Fund;
use crate::month::Month;
use crate::notices::{self, Kind, NewNotice, Notice};
use crate::params;
use crate::statement::{Period, period_key};
use crate::sweep::Budget;

const CALENDAR: &str = "calendar/self-employed";
const POSITIONS: &str = "positions/";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Position {
    pub subject: String,
    pub fund: Fund,
    pub start_date: Date,
    /// Years whose quarterly notices have been issued.
    pub years: Vec<i16>,
    pub registered_at: String,
    pub registered_by: String,
}

fn position_key(subject: &str) -> String {
    format!("{POSITIONS}{subject}")
}

/// `round(total × months ÷ 12)`: the part of a yearly amount owed for the first `months`.
fn share(total: i64, months: i64) -> i64 {
    round_div(total as i128 * months as i128, 12) as i64
}

/// One quarter's instalment: months `first..=last` (1 to 12) of `year`.
pub struct Quarter {
    pub number: usize,
    pub months: Vec<Month>,
    pub amount_cents: i64,
    pub due_date: Date,
}

/// The quarters `fund` owes for `year` when active from `start` (none before it). For a year
/// whose circular is not shipped yet, the newest figures apply and its due dates move to that
/// year (the calendar days a circular keeps, short of weekend shifts).
pub fn quarters(fund: Fund, start: Date, year: i16) -> Vec<Quarter> {
    let p = params::in_force(year);
    let shift = jiff::Span::new().years(year - p.year);
    let yearly = fund.yearly_cents(&p.self_employed);
    let first_month = if start.year() == year {
        start.month() as i64
    } else {
        1
    };
    if start.year() > year {
        return Vec::new();
    }
    (1..=4)
        .filter_map(|q| {
            let last = q as i64 * 3;
            let first = (last - 2).max(first_month);
            (first <= last).then(|| Quarter {
                number: q,
                months: (first..=last)
                    .map(|m| Month::new(year, m as i8).expect("a month"))
                    .collect(),
                amount_cents: share(yearly, last) - share(yearly, first - 1),
                due_date: p.self_employed.quarter_due_dates[q - 1]
                    .parse::<Date>()
                    .expect("checked by the parameter tests")
                    .checked_add(shift)
                    .expect("a due date within the calendar"),
            })
        })
        .collect()
}

/// Issues `position`'s notices for `year`.
fn issue_year(position: &mut Position, year: i16, now: &str) -> Result<Vec<Notice>, Problem> {
    let mut issued = Vec::new();
    for q in quarters(position.fund, position.start_date, year) {
        issued.push(notices::issue(
            NewNotice {
                debtor: position.subject.clone(),
                kind: Kind::FixedContribution,
                description: format!(
                    "Contributi fissi {} {year}, rata {} ({} – {})",
                    position.fund.code(),
                    q.number,
                    q.months[0],
                    q.months[q.months.len() - 1]
                ),
                amount_cents: q.amount_cents,
                due_date: q.due_date,
                reference: format!("{}/{year}/Q{}", position.fund.code(), q.number),
                months: q.months,
                plan_id: None,
                announce: true,
            },
            now,
        )?);
    }
    position.years.push(year);
    Ok(issued)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    fund: Fund,
    start_date: String,
}

/// `POST /self-employment`: registers the caller as an artisan or a merchant from
/// `start_date`, and issues the quarterly notices up to this year.
pub fn register(ctx: &Ctx) -> HandlerResult {
    let subject = crate::person(ctx, "Artisans and merchants register as persons.")?;
    let body: Body = ctx.json()?;
    let today = crate::today(ctx);
    let earliest = Date::new(params::first_year(), 1, 1).expect("a date");
    let start = match body.start_date.parse::<Date>() {
        Ok(d) if d >= earliest && d <= today => d,
        _ => {
            return Err(Problem::invalid(vec![FieldError::new(
                "start_date",
                &format!("must be a date (YYYY-MM-DD) from {earliest} to today"),
            )]));
        }
    };
    if store::get::<Position>(&position_key(&subject))?.is_some() {
        return Err(Problem::conflict(
            "You are already registered as an artisan or a merchant.",
        ));
    }
    let now = ctx.req.received_at.clone();
    let mut position = Position {
        subject: subject.clone(),
        fund: body.fund,
        start_date: start,
        years: Vec::new(),
        registered_at: now.clone(),
        registered_by: ctx.actor(),
    };
    let mut issued = Vec::new();
    for year in start.year()..=today.year() {
        issued.extend(issue_year(&mut position, year, &now)?);
    }
    store::create(&position_key(&subject), &position)?;
    let notices: Vec<_> = issued
        .iter()
        .map(|n| notices::with_overdue(n, today))
        .collect();
    let mut response = json(
        201,
        &serde_json::json!({ "position": position, "notices": notices }),
    );
    response.headers.push((
        "location".into(),
        "/api/v1/contributions/self-employment".into(),
    ));
    Ok(response)
}

/// `GET /self-employment`: the position and its fixed-contribution notices.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let position = store::get::<Position>(&position_key(subject))?
        .ok_or_else(|| Problem::not_found("artisan or merchant position"))?;
    let today = crate::today(ctx);
    let notices: Vec<_> = notices::all(subject)?
        .into_iter()
        .map(|d| d.value)
        .filter(|n| n.kind == Kind::FixedContribution)
        .map(|n| notices::with_overdue(&n, today))
        .collect();
    Ok(json(
        200,
        &serde_json::json!({ "position": position.value, "notices": notices }),
    ))
}

pub fn position_of(subject: &str) -> Result<Option<Position>, Problem> {
    Ok(store::get::<Position>(&position_key(subject))?.map(|d| d.value))
}

/// A fixed-contribution notice was paid: its months are credited to the statement, on the
/// year's minimum income by month (cumulative rounding, as the amounts).
pub fn credit(notice: &Notice) -> Result<(), Problem> {
    let fund = position_of(&notice.debtor)?
        .ok_or_else(|| Problem::internal("a fixed-contribution notice without its position"))?
        .fund
        .code();
    for m in &notice.months {
        let minimum = params::in_force(m.year())
            .self_employed
            .minimum_income_cents;
        let n = m.number() as i64;
        let k = period_key(&notice.debtor, *m, fund);
        if store::get::<Period>(&k)?.is_some() {
            continue;
        }
        store::create(
            &k,
            &Period {
                month: *m,
                fund: fund.into(),
                employer: None,
                employer_name: None,
                taxable_cents: share(minimum, n) - share(minimum, n - 1),
                weeks: 0,
                source: notice.notice_number.clone(),
            },
        )?;
    }
    Ok(())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Calendar {
    /// Every position has its notices up to this year.
    year: i16,
    /// While issuing `year + 1`: the last position done.
    #[serde(default)]
    cursor: Option<String>,
}

/// The day `date` has started: in a new year, issue every position's notices for it, in
/// batches within `budget`.
pub fn sweep(date: Date, now: &str, budget: &mut Budget) -> Result<(), Problem> {
    let doc = store::get::<Calendar>(CALENDAR)?;
    let (mut calendar, version) = match doc {
        Some(d) => (d.value, Some(d.version)),
        // Positions issue their own year at registration: a fresh platform starts one back.
        None => (
            Calendar {
                year: date.year() - 1,
                cursor: None,
            },
            None,
        ),
    };
    if calendar.year >= date.year() {
        return Ok(());
    }
    let target = calendar.year + 1;
    loop {
        // Four announced notices (two writes each), the position, the calendar.
        if !budget.reserve(4, 10) {
            store::put(CALENDAR, &calendar, version)?;
            return Ok(());
        }
        let (page, next) = store::list::<Position>(POSITIONS, calendar.cursor.as_deref(), 1)?;
        let Some((k, mut doc)) = page.into_iter().next() else {
            return year_done(calendar, version, target, date, budget);
        };
        if !doc.value.years.contains(&target) {
            issue_year(&mut doc.value, target, now)?;
            store::put(&k, &doc.value, Some(doc.version))?;
        }
        calendar.cursor = Some(k);
        if next.is_none() {
            return year_done(calendar, version, target, date, budget);
        }
    }
}

/// Every position has `target`'s notices: record it. More than a year behind, the next year
/// is another delivery's work.
fn year_done(
    mut calendar: Calendar,
    version: Option<u64>,
    target: i16,
    date: Date,
    budget: &mut Budget,
) -> Result<(), Problem> {
    calendar.year = target;
    calendar.cursor = None;
    store::put(CALENDAR, &calendar, version)?;
    if target < date.year() {
        budget.more();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_by_hand() {
        // Merchants 2025: €4,549.70 a year. Q1 = round(454,970 × 3/12) = round(113,742.5) =
        // 113,743; Q2 = 227,485 − 113,743 = 113,742; Q3 = round(341,227.5) − 227,485 = 113,743;
        // Q4 = 454,970 − 341,228 = 113,742.
        let q = quarters(Fund::Commercianti, Date::constant(2024, 6, 1), 2025);
        let amounts: Vec<i64> = q.iter().map(|q| q.amount_cents).collect();
        assert_eq!(amounts, vec![113_743, 113_742, 113_743, 113_742]);
        assert_eq!(amounts.iter().sum::<i64>(), 454_970);
        assert_eq!(q[2].due_date.to_string(), "2025-11-17");
        // Artisans from 10 February 2026 (€4,521.36): February and March in Q1 =
        // round(452,136 × 3/12) − round(452,136 × 1/12) = 113,034 − 37,678 = 75,356.
        let q = quarters(Fund::Artigiani, Date::constant(2026, 2, 10), 2026);
        assert_eq!(q[0].months.len(), 2);
        assert_eq!(q[0].amount_cents, 75_356);
        assert_eq!(
            q.iter().map(|q| q.amount_cents).sum::<i64>(),
            452_136 - 37_678
        );
        // From November: only the fourth quarter, two months.
        let q = quarters(Fund::Artigiani, Date::constant(2026, 11, 3), 2026);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].number, 4);
        assert_eq!(q[0].amount_cents, 452_136 - 376_780);
        assert!(quarters(Fund::Artigiani, Date::constant(2027, 1, 1), 2026).is_empty());
        // 2027 has no circular yet: 2026's figures, with the due dates a year on.
        let q = quarters(Fund::Artigiani, Date::constant(2026, 2, 10), 2027);
        assert_eq!(q.iter().map(|q| q.amount_cents).sum::<i64>(), 452_136);
        assert_eq!(q[0].due_date.to_string(), "2027-05-18");
        assert_eq!(q[3].due_date.to_string(), "2028-02-16");
    }
}
