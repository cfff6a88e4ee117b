//! The contributions domain: not built yet (see its issue). It loads as a placeholder with no routes.

welfare_guest::placeholder_domain!("contributions");
