//! The messages the other domains' events lead to: for each topic, the service it belongs to,
//! the Italian text, and what the event teaches about the person (a category or segment that
//! campaigns can target). Texts name amounts, dates and notices from the event; they never
//! carry medical details (the disability event has none).

use jiff::civil::Date;
use serde_json::Value;

use crate::recipients::Service;
use welfare_guest::money::euros;

use crate::template::{Content, Draft, Payment, italian_date};

/// What an event leads to.
pub struct Notice {
    pub service: Service,
    /// None when the event is worth learning from but not worth a message.
    pub content: Option<Content>,
    pub category: Option<&'static str>,
    pub segment: Option<&'static str>,
}

fn text(p: &Value, name: &str) -> String {
    p.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn cents(p: &Value, name: &str) -> Option<u64> {
    p.get(name).and_then(Value::as_u64)
}

/// An amount from the event, as the platform writes euros (`€1.130,34`).
fn amount(p: &Value, name: &str) -> String {
    euros(p.get(name).and_then(Value::as_i64).unwrap_or_default())
}

fn date(p: &Value, name: &str) -> Option<Date> {
    p.get(name)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

fn benefit_name(kind: &str) -> &'static str {
    match kind {
        "naspi" => "NASpI",
        "assegno-unico" => "Assegno Unico Universale",
        "pensione-inabilita" => "pensione di inabilità",
        "assegno-mensile" => "assegno mensile di assistenza",
        "indennita-accompagnamento" => "indennità di accompagnamento",
        "indennita-frequenza" => "indennità di frequenza",
        _ => "prestazione",
    }
}

fn draft(
    subject: String,
    body: String,
    due_date: Option<Date>,
    payment: Option<Payment>,
) -> Option<Content> {
    Draft {
        subject,
        body,
        due_date,
        payment,
    }
    .check("")
    .ok()
}

fn payment(p: &Value, amount: &str, notice: &str) -> Option<Payment> {
    Some(Payment {
        amount_cents: cents(p, amount)?,
        notice_number: p.get(notice)?.as_str()?.to_string(),
    })
}

/// The notice for `topic` with `payload`; none for a topic this catalogue does not know.
pub fn notice(topic: &str, p: &Value) -> Option<Notice> {
    let plain = |service, content| Notice {
        service,
        content,
        category: None,
        segment: None,
    };
    Some(match topic {
        "income-support.benefit-offered" => plain(
            Service::IncomeSupport,
            draft(
                format!("Ti spetta l'{}: conferma la domanda", benefit_name(&text(p, "benefit"))),
                format!(
                    "Abbiamo preparato per te la domanda di **{}**, già compilata con i dati che ci risultano. \
                     L'importo stimato è di **{} al mese**.\n\nPer riceverlo devi solo confermare la domanda \
                     nella tua area MyINPS, sezione *Domande*: puoi indicare l'ISEE per un importo più alto.",
                    benefit_name(&text(p, "benefit")),
                    amount(p, "monthly_total_cents")
                ),
                None,
                None,
            ),
        ),
        "income-support.application-decided" => {
            let benefit = benefit_name(&text(p, "benefit"));
            let approved = text(p, "outcome") == "approved";
            let body = if approved {
                format!(
                    "La tua domanda di **{benefit}** è stata **accolta**.{}\n\nTrovi il dettaglio e il calendario \
                     dei pagamenti nella tua area MyINPS, sezione *Domande*.",
                    p.get("monthly_amount_cents")
                        .and_then(Value::as_i64)
                        .map(|c| format!(" L'importo mensile è di {}.", euros(c)))
                        .unwrap_or_default()
                )
            } else {
                format!(
                    "La tua domanda di **{benefit}** non è stata accolta.\n\nMotivazione: {}\n\nPuoi chiedere \
                     chiarimenti a Linea INPS o presentare ricorso entro i termini indicati nel provvedimento.",
                    text(p, "reason")
                )
            };
            let subject = if approved {
                format!("Domanda di {benefit} accolta")
            } else {
                format!("Esito della domanda di {benefit}")
            };
            plain(Service::IncomeSupport, draft(subject, body, None, None))
        }
        "income-support.payment-started" => {
            let benefit = text(p, "benefit");
            Notice {
                service: Service::IncomeSupport,
                content: draft(
                    format!("Pagamento della {} avviato", benefit_name(&benefit)),
                    format!(
                        "Il pagamento della **{}** è stato avviato. Riceverai l'importo sul conto che hai indicato; \
                         le date di accredito sono nella tua area MyINPS, sezione *Pagamenti*.",
                        benefit_name(&benefit)
                    ),
                    None,
                    None,
                ),
                category: match benefit.as_str() {
                    "naspi" => Some("naspi"),
                    "assegno-unico" => Some("family"),
                    _ => None,
                },
                segment: (benefit == "naspi").then_some("worker"),
            }
        }
        "disability.assessed" => {
            let recognised = p.get("recognised").and_then(Value::as_bool).unwrap_or(false);
            let benefits: Vec<_> = p
                .get("benefits")
                .and_then(Value::as_array)
                .map(|b| b.iter().filter_map(Value::as_str).map(benefit_name).collect())
                .unwrap_or_default();
            let mut body = if recognised {
                format!(
                    "La commissione medica ha concluso l'accertamento: lo stato di invalidità civile ti è stato \
                     **riconosciuto**{}.",
                    date(p, "valid_until")
                        .map(|d| format!(", con revisione il {}", italian_date(d)))
                        .unwrap_or_default()
                )
            } else {
                "La commissione medica ha concluso l'accertamento: lo stato di invalidità civile non ti è stato \
                 riconosciuto. Il verbale è nella tua area MyINPS; puoi presentare ricorso entro sei mesi."
                    .to_string()
            };
            if !benefits.is_empty() {
                body.push_str("\n\nPrestazioni che ti spettano:\n");
                for b in &benefits {
                    body.push_str(&format!("\n- {b}"));
                }
                body.push_str("\n\nPer riceverle completa le dichiarazioni richieste nella tua area MyINPS.");
            }
            if p.get("parking_badge").and_then(Value::as_bool) == Some(true) {
                body.push_str(
                    "\n\nPuoi chiedere al tuo Comune il **contrassegno di parcheggio** per persone con disabilità: \
                     il Comune verifica il tuo stato direttamente con l'INPS.",
                );
            }
            Notice {
                service: Service::Disability,
                content: draft(
                    "Esito del tuo accertamento sanitario".into(),
                    body,
                    None,
                    None,
                ),
                category: recognised.then_some("disability"),
                segment: recognised.then_some("assisted"),
            }
        }
        "contributions.notice-issued" => {
            let self_employed = text(p, "kind") == "fixed-contribution";
            Notice {
                service: Service::Contributions,
                content: draft(
                    "Nuovo avviso di pagamento pagoPA".into(),
                    format!(
                        "È disponibile un nuovo avviso di pagamento: {}.\n\nPuoi pagarlo con l'app, sul sito \
                         dell'INPS o presso qualsiasi prestatore aderente a pagoPA, entro la scadenza indicata.",
                        match text(p, "description") {
                            d if d.is_empty() => "contributi".to_string(),
                            d => d,
                        }
                    ),
                    date(p, "due_date"),
                    payment(p, "amount_cents", "notice_number"),
                ),
                category: self_employed.then_some("self-employed"),
                segment: self_employed.then_some("worker"),
            }
        }
        "contributions.instalment-missed" => plain(
            Service::Contributions,
            draft(
                format!("Rata n. {} della rateazione non pagata", p.get("n").and_then(Value::as_u64).unwrap_or(0)),
                "Non risulta pagata una rata del tuo piano di rateazione. Pagala al più presto: con due rate non \
                 pagate, o con la prima non pagata, il piano decade e il debito residuo diventa dovuto in una \
                 sola volta."
                    .into(),
                date(p, "due_date"),
                payment(p, "amount_cents", "notice_number"),
            ),
        ),
        "contributions.instalment-plan-lapsed" => plain(
            Service::Contributions,
            draft(
                "Il tuo piano di rateazione è decaduto".into(),
                "Il piano di rateazione è decaduto per rate non pagate. Le rate non pagate sono annullate e il \
                 debito residuo è dovuto in una sola volta con il nuovo avviso di pagamento qui sotto."
                    .into(),
                date(p, "due_date"),
                payment(p, "balance_cents", "notice_number"),
            ),
        ),
        "contributions.regularisation-invited" => plain(
            Service::Contributions,
            draft(
                "Invito a regolarizzare per il DURC".into(),
                format!(
                    "Per rilasciare il DURC risulta un debito scaduto di **{}**. Puoi regolarizzare pagando gli \
                     avvisi aperti o chiedendo una rateazione entro la scadenza indicata; altrimenti il DURC sarà \
                     irregolare.",
                    amount(p, "overdue_cents")
                ),
                date(p, "regularise_by"),
                None,
            ),
        ),
        "contributions.durc-irregular" => plain(
            Service::Contributions,
            draft(
                "DURC irregolare: debito non regolarizzato".into(),
                "Il termine per regolarizzare è scaduto e il DURC risulta **irregolare**. Puoi chiederne uno nuovo \
                 dopo aver pagato gli avvisi aperti o ottenuto una rateazione."
                    .into(),
                None,
                None,
            ),
        ),
        "contributions.statement-report-resolved" => {
            let corrected = text(p, "outcome") == "corrected";
            plain(
                Service::Contributions,
                draft(
                    "La tua segnalazione sull'estratto conto".into(),
                    if corrected {
                        "Abbiamo esaminato la tua segnalazione e **corretto** l'estratto conto contributivo. Trovi i \
                         periodi aggiornati nella tua area MyINPS, sezione *Estratto conto*."
                            .into()
                    } else {
                        "Abbiamo esaminato la tua segnalazione ma non è stato possibile correggere l'estratto conto. \
                         Trovi la motivazione nella tua area MyINPS, sezione *Estratto conto*."
                            .into()
                    },
                    None,
                    None,
                ),
            )
        }
        "faq.question-answered" => plain(
            Service::Faq,
            draft(
                "Linea INPS ha risposto alla tua domanda".into(),
                "Un esperto di Linea INPS ha risposto alla domanda che ci hai inviato. Trovi la risposta nella tua \
                 area MyINPS, sezione *Le mie domande*."
                    .into(),
                None,
                None,
            ),
        ),
        "faq.appointment-booked" => plain(
            Service::Faq,
            draft(
                "Appuntamento con un esperto INPS fissato".into(),
                format!(
                    "Per rispondere alla tua domanda un esperto ti ha fissato un appuntamento il **{}** \
                     (ora italiana), {}. Se non puoi esserci, contatta Linea INPS per spostarlo.",
                    text(p, "at").replace('T', " alle "),
                    match text(p, "channel").as_str() {
                        "phone" => "per telefono".to_string(),
                        "video" => "in videochiamata".to_string(),
                        _ => "presso la sede".to_string(),
                    }
                ),
                None,
                None,
            ),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn samples() -> Vec<(&'static str, Value)> {
        vec![
            (
                "income-support.benefit-offered",
                json!({"benefit": "assegno-unico", "monthly_total_cents": 47750}),
            ),
            (
                "income-support.application-decided",
                json!({"benefit": "naspi", "outcome": "approved", "monthly_amount_cents": 97425}),
            ),
            (
                "income-support.application-decided",
                json!({"benefit": "naspi", "outcome": "rejected", "reason": "Requisiti non soddisfatti."}),
            ),
            (
                "income-support.payment-started",
                json!({"benefit": "naspi"}),
            ),
            (
                "disability.assessed",
                json!({"recognised": true, "benefits": ["indennita-accompagnamento"], "valid_until": "2029-05-01", "parking_badge": true}),
            ),
            (
                "disability.assessed",
                json!({"recognised": false, "benefits": [], "parking_badge": false}),
            ),
            (
                "contributions.notice-issued",
                json!({"notice_number": "302000000000000184", "amount_cents": 113034, "due_date": "2026-05-18", "kind": "fixed-contribution", "description": "contributi fissi artigiani"}),
            ),
            (
                "contributions.instalment-missed",
                json!({"n": 2, "notice_number": "302000000000000184", "amount_cents": 20000, "due_date": "2026-05-16"}),
            ),
            (
                "contributions.instalment-plan-lapsed",
                json!({"notice_number": "302000000000000184", "balance_cents": 180000, "due_date": "2026-05-16"}),
            ),
            (
                "contributions.regularisation-invited",
                json!({"overdue_cents": 50000, "regularise_by": "2026-05-30"}),
            ),
            ("contributions.durc-irregular", json!({})),
            (
                "contributions.statement-report-resolved",
                json!({"outcome": "corrected"}),
            ),
            ("faq.question-answered", json!({})),
            (
                "faq.appointment-booked",
                json!({"at": "2026-12-01T09:30", "channel": "phone"}),
            ),
        ]
    }

    #[test]
    fn every_topic_writes_a_valid_message() {
        let domain_topics = crate::SUBSCRIPTIONS.iter().filter(|t| {
            ![
                crate::delivery::REPORTED,
                crate::campaigns::BATCH,
                welfare_guest::life_events::DEATH,
                welfare_guest::life_events::RESIDENCE_CHANGED,
            ]
            .contains(t)
        });
        for topic in domain_topics {
            assert!(
                samples().iter().any(|(t, _)| t == topic),
                "no sample for {topic}"
            );
        }
        for (topic, payload) in samples() {
            let notice = notice(topic, &payload).expect(topic);
            assert!(
                notice.content.is_some(),
                "{topic} {payload} writes no valid message"
            );
        }
    }

    #[test]
    fn a_notice_carries_its_payment() {
        let (_, payload) = &samples()[6];
        let n = notice("contributions.notice-issued", payload).unwrap();
        let content = n.content.unwrap();
        assert_eq!(content.due_date, Some(Date::constant(2026, 5, 18)));
        assert_eq!(content.payment.unwrap().amount_cents, 113034);
        assert_eq!(n.category, Some("self-employed"));
        let text = notice("contributions.notice-issued", payload)
            .unwrap()
            .content
            .unwrap()
            .as_text();
        assert!(
            text.contains("€1.130,34")
                && text.contains("302000000000000184")
                && text.contains("18/05/2026")
        );
    }

    #[test]
    fn the_assessment_mentions_the_parking_badge_only_when_due() {
        let yes = notice("disability.assessed", &samples()[4].1)
            .unwrap()
            .content
            .unwrap();
        assert!(yes.body.contains("contrassegno"));
        let no = notice("disability.assessed", &samples()[5].1)
            .unwrap()
            .content
            .unwrap();
        assert!(!no.body.contains("contrassegno"));
    }
}
