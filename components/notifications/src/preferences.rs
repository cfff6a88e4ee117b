//! The routes a person uses to say how they want to be reached: read and replace their
//! preferences (`If-Match` guards a replace against a concurrent one), and verify a new e-mail
//! address or phone number with the code sent to it.

use serde::Deserialize;
use welfare_guest::http::FieldError;
use welfare_guest::region::Region;
use welfare_guest::{Ctx, HandlerResult, Problem, Response, ids, json, preconditions};

use crate::delivery;
use crate::local::QuietHours;
use crate::recipients::{
    self, CODE_DIGITS, CODE_TRIES, CODE_VALIDITY, Channel, Contact, PendingCode, Recipient, Service,
};

/// The body of `PUT /preferences`: the whole set, as the app's settings screen holds it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    preferred_channel: Channel,
    #[serde(default)]
    opt_outs: Vec<Service>,
    #[serde(default)]
    quiet_hours: Option<QuietHours>,
    #[serde(default)]
    region: Option<Region>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    push_token: Option<String>,
}

fn with_etag(mut response: Response, version: Option<u64>) -> Response {
    if let Some(v) = version {
        response
            .headers
            .push(("etag".into(), preconditions::etag(v)));
    }
    response
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let doc = recipients::load(subject)?;
    let version = doc.as_ref().map(|d| d.version);
    let recipient = doc.map(|d| d.value).unwrap_or_default();
    Ok(with_etag(json(200, &recipient.view()), version))
}

/// A contact as the new body names it: unchanged if the address is the same and verified; a
/// fresh code otherwise (also to re-send a code for an address still unverified).
fn contact(ctx: &Ctx, old: Option<Contact>, new: Option<String>) -> (Option<Contact>, bool) {
    match (old, new) {
        (_, None) => (None, false),
        (Some(old), Some(address)) if old.address == address && old.verified => (Some(old), false),
        (_, Some(address)) => {
            let pending = PendingCode {
                code: ids::random_digits(CODE_DIGITS),
                expires_at: ctx.received_at() + CODE_VALIDITY,
                tries_left: CODE_TRIES,
            };
            (
                Some(Contact {
                    address,
                    verified: false,
                    pending: Some(pending),
                }),
                true,
            )
        }
    }
}

pub fn put(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let body: Body = ctx.json()?;
    let mut errors = Vec::new();
    let email = body
        .email
        .as_deref()
        .map(recipients::check_email)
        .transpose();
    let phone = body
        .phone
        .as_deref()
        .map(recipients::check_phone)
        .transpose();
    let push = body
        .push_token
        .as_deref()
        .map(recipients::check_push_token)
        .transpose();
    let (email, phone, push) = match (email, phone, push) {
        (Ok(e), Ok(p), Ok(t)) => (e, p, t),
        (e, p, t) => {
            errors.extend(e.err());
            errors.extend(p.err());
            errors.extend(t.err());
            return Err(Problem::invalid(errors));
        }
    };
    let reachable = match body.preferred_channel {
        Channel::Inbox => true,
        Channel::Email => email.is_some(),
        Channel::Sms => phone.is_some(),
        Channel::Push => push.is_some(),
    };
    if !reachable {
        return Err(Problem::invalid(vec![FieldError::new(
            "preferred_channel",
            &format!(
                "give the {} contact to prefer it",
                body.preferred_channel.as_str()
            ),
        )]));
    }
    let current = recipients::load(subject)?;
    preconditions::if_match(ctx.header("if-match"), current.as_ref().map(|d| d.version))?;
    let version = current.as_ref().map(|d| d.version);
    let old = current.map(|d| d.value).unwrap_or_default();
    if old.is_deceased() {
        // No verification code goes to a dead person's address.
        return Err(Problem::deceased());
    }
    let (email, email_code) = contact(ctx, old.email.clone(), email);
    let (phone, phone_code) = contact(ctx, old.phone.clone(), phone);
    let recipient = Recipient {
        preferred_channel: Some(body.preferred_channel),
        opt_outs: body.opt_outs.into_iter().collect(),
        quiet_hours: body.quiet_hours,
        // Where the registry says they live, unless they name a region themselves.
        region: body
            .region
            .or_else(|| old.residence.as_ref().map(|r| r.region.clone())),
        email,
        phone,
        push_token: push,
        categories: old.categories,
        segments: old.segments,
        updated_at: Some(ctx.received_at()),
        residence: old.residence,
        deceased: old.deceased,
    };
    for (wanted, channel, contact) in [
        (email_code, Channel::Email, &recipient.email),
        (phone_code, Channel::Sms, &recipient.phone),
    ] {
        if let (true, Some(c)) = (wanted, contact) {
            let code = c
                .pending
                .as_ref()
                .map(|p| p.code.as_str())
                .unwrap_or_default();
            delivery::send_code(subject, channel, &c.address, code)?;
        }
    }
    let version = recipients::save(subject, &recipient, version)?;
    Ok(with_etag(json(200, &recipient.view()), Some(version)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verification {
    channel: Channel,
    code: String,
}

/// `{channel: email|sms, code}`: the code sent to the new address proves it is theirs.
pub fn verify(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let body: Verification = ctx.json()?;
    let Some(doc) = recipients::load(subject)? else {
        return Err(Problem::conflict(
            "There is no contact waiting to be verified.",
        ));
    };
    let mut recipient = doc.value;
    let contact = match body.channel {
        Channel::Email => recipient.email.as_mut(),
        Channel::Sms => recipient.phone.as_mut(),
        _ => {
            return Err(Problem::invalid(vec![FieldError::new(
                "channel",
                "only e-mail addresses and phone numbers are verified (email, sms)",
            )]));
        }
    };
    let Some(contact) = contact.filter(|c| !c.verified) else {
        return Err(Problem::conflict(
            "There is no contact waiting to be verified.",
        ));
    };
    let Some(pending) = contact.pending.as_mut() else {
        return Err(Problem::conflict(
            "No code is valid for this contact: give the address again to get a new one.",
        ));
    };
    if pending.expires_at < ctx.received_at() || pending.tries_left == 0 {
        contact.pending = None;
        recipients::save(subject, &recipient, Some(doc.version))?;
        return Err(Problem::conflict(
            "The code is no longer valid: give the address again to get a new one.",
        ));
    }
    if pending.code != body.code.trim() {
        pending.tries_left -= 1;
        recipients::save(subject, &recipient, Some(doc.version))?;
        return Err(Problem::invalid(vec![FieldError::new(
            "code",
            "is not the code we sent",
        )]));
    }
    contact.verified = true;
    contact.pending = None;
    recipient.updated_at = Some(ctx.received_at());
    let version = recipients::save(subject, &recipient, Some(doc.version))?;
    Ok(with_etag(json(200, &recipient.view()), Some(version)))
}
