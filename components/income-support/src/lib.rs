welfare_guest::placeholder_domain!("income-support");
