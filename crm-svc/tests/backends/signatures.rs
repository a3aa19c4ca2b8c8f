use crate::fixtures::{assert_conflict, assert_not_found, invalid_field, tenant};
use crm_svc::{
    Db, Error, backend_test,
    contracts::Contract,
    contracts::{self, ContractPatch, NewContract, document_sha256},
    enums::{ContractStatus, ProposalStatus},
    line_items::LineItem,
    proposals::Proposal,
    proposals::{self, NewProposal, ProposalPatch},
    signatures::{self, DocumentRef, Signing, token_hash},
};
use std::net::IpAddr;

/// A 2 × 2 grey PNG, as the signing page might draw it.
fn png() -> Vec<u8> {
    let grey = (
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        png::Compression::Fast,
    );
    crm_svc::test_support::encode_png((2, 2), grey, &[10, 20, 30, 40], None)
}

fn ip() -> IpAddr {
    "203.0.113.7".parse().unwrap()
}

/// How long test links last.
fn ttl() -> chrono::Duration {
    crm_svc::Settings::default().signature_link_ttl
}

/// `name` signs with [`png`] after reading the text whose hash is `shown`.
fn signing(name: &str, shown: &str) -> Signing {
    signing_with(name, shown, png())
}

fn signing_with(name: &str, shown: &str, image_png: Vec<u8>) -> Signing {
    Signing {
        signer_name: name.into(),
        signer_ip: ip(),
        image_png,
        document_sha256: shown.into(),
    }
}

#[track_caller]
fn assert_gone<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Gone(_)) => {}
        other => panic!("expected gone, got {other:?}"),
    }
}

async fn contract(db: &Db, t: &crate::fixtures::Tenant) -> Contract {
    contracts::create(
        db,
        &t.business.id,
        NewContract {
            customer_id: t.customer.id.clone(),
            title: "הסכם שירות".into(),
            body: "הספק יספק את השירות בתנאים הבאים…".into(),
        },
    )
    .await
    .unwrap()
}

async fn a_link_signs_once_and_records_who_what_and_when(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let bid = &t.business.id;
    let c = contract(&db, &t).await;
    let link = signatures::create_link(&db, bid, &c.id, ttl())
        .await
        .unwrap();
    assert_eq!(link.url_path, format!("/signature/{}", link.token));
    assert_eq!(link.document, DocumentRef::Contract(c.id.clone()));
    // Creating a link sends the draft.
    assert_eq!(
        contracts::get(&db, bid, &c.id).await.unwrap().status,
        ContractStatus::Sent
    );
    // Only the hash is stored.
    let stored = signatures::get(&db, bid, &link.signature_id).await.unwrap();
    assert_eq!(stored.token_hash, token_hash(&link.token));
    assert_ne!(stored.token_hash, link.token);
    assert!(stored.used_at.is_none());

    let doc = signatures::signing_document(&db, &link.token)
        .await
        .unwrap();
    assert_eq!(
        (doc.title.as_str(), doc.document.clone()),
        ("הסכם שירות", DocumentRef::Contract(c.id.clone()))
    );
    assert_eq!(doc.business_name, t.business.name);
    let expected_hash = document_sha256(&c.title, &c.body);
    assert_eq!(doc.document_sha256, expected_hash);

    // Bad input is refused without spending the link.
    let sign = |s: Signing| signatures::sign(&db, &link.token, s);
    assert_eq!(
        invalid_field(sign(signing(" ", &expected_hash)).await),
        "signer_name"
    );
    assert_eq!(
        invalid_field(sign(signing_with("דנה", &expected_hash, b"GIF89a".to_vec())).await),
        "image_png"
    );
    let mut big = png();
    big.resize(1024 * 1024 + 1, 0);
    assert_eq!(
        invalid_field(sign(signing_with("דנה", &expected_hash, big)).await),
        "image_png"
    );
    assert_eq!(
        invalid_field(sign(signing("דנה", "")).await),
        "document_sha256"
    );
    // A hash of another text is refused as a changed document (409).
    match sign(signing("דנה", &document_sha256("הסכם שירות", "טקסט אחר"))).await
    {
        Err(Error::DocumentChanged(_)) => {}
        other => panic!("expected document_changed, got {other:?}"),
    }

    let signed = sign(signing(" דנה לוי ", &expected_hash.to_uppercase()))
        .await
        .unwrap();
    assert_eq!(signed.signer_name.as_deref(), Some("דנה לוי"));
    assert_eq!(signed.signer_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(
        signed.document_sha256.as_deref(),
        Some(expected_hash.as_str())
    );
    assert!(signed.signed_at.is_some() && signed.used_at.is_some());
    assert_eq!(
        signatures::get(&db, bid, &signed.id).await.unwrap(),
        signed,
        "stored as returned, image included"
    );
    assert_eq!(
        signed.image_png,
        Some(signatures::reencode_png(&png()).unwrap()),
        "the image is stored encoded anew"
    );
    assert_eq!(
        contracts::get(&db, bid, &c.id).await.unwrap().status,
        ContractStatus::Signed
    );

    // A second use of the link is gone, as is the page behind it.
    assert_gone(sign(signing("מישהו", &expected_hash)).await);
    assert_gone(signatures::signing_document(&db, &link.token).await);
    let status = tonic::Status::from(sign(signing("x", &expected_hash)).await.unwrap_err());
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        status
            .metadata()
            .get(crm_svc::error::CODE_METADATA)
            .unwrap(),
        crm_svc::error::GONE
    );
    // Unknown tokens too.
    assert_gone(signatures::sign(&db, "not-a-token", signing("x", &expected_hash)).await);
    assert_gone(signatures::signing_document(&db, &"0".repeat(64)).await);

    // A signed contract is a record: no edits, no delete, no new link.
    assert_conflict(
        contracts::update(
            &db,
            bid,
            &c.id,
            ContractPatch {
                body: Some("שונה".into()),
                ..ContractPatch::default()
            },
        )
        .await,
    );
    assert_conflict(contracts::delete(&db, bid, &c.id).await);
    assert_conflict(signatures::create_link(&db, bid, &c.id, ttl()).await);

    let listed = signatures::list_for_contract(&db, bid, &c.id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].image_png, None, "lists leave the image out");
    assert_eq!(listed[0].signer_name.as_deref(), Some("דנה לוי"));
}
backend_test!(a_link_signs_once_and_records_who_what_and_when => signature_once_sqlite, signature_once_postgres);

/// Two links for one contract: the newer revokes the older, which stays gone once the contract is
/// signed; and six signers racing on one link: exactly one wins.
async fn only_one_signature_wins(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let bid = &t.business.id;
    let c = contract(&db, &t).await;
    let shown = document_sha256(&c.title, &c.body);
    let first = signatures::create_link(&db, bid, &c.id, ttl())
        .await
        .unwrap();
    let second = signatures::create_link(&db, bid, &c.id, ttl())
        .await
        .unwrap();
    assert_ne!(first.token, second.token);
    assert_gone(signatures::signing_document(&db, &first.token).await);
    signatures::sign(&db, &second.token, signing("ראשון", &shown))
        .await
        .unwrap();
    assert_gone(signatures::sign(&db, &first.token, signing("שני", &shown)).await);

    let c2 = contract(&db, &t).await;
    let link = signatures::create_link(&db, bid, &c2.id, ttl())
        .await
        .unwrap();
    let racers: Vec<_> = (0..6)
        .map(|i| {
            let (db, token) = (db.clone(), link.token.clone());
            let shown = document_sha256(&c2.title, &c2.body);
            tokio::spawn(async move {
                signatures::sign(&db, &token, signing(&format!("חותם {i}"), &shown)).await
            })
        })
        .collect();
    let mut wins = 0;
    for r in racers {
        match r.await.unwrap() {
            Ok(_) => wins += 1,
            Err(Error::Gone(_)) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(wins, 1);
}
backend_test!(only_one_signature_wins => signature_race_sqlite, signature_race_postgres);

async fn signatures_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = contract(&db, &b).await;
    let aid = &a.business.id;
    assert_not_found(signatures::create_link(&db, aid, &theirs.id, ttl()).await);
    assert_not_found(signatures::list_for_contract(&db, aid, &theirs.id).await);
    let link = signatures::create_link(&db, &b.business.id, &theirs.id, ttl())
        .await
        .unwrap();
    assert_not_found(signatures::get(&db, aid, &link.signature_id).await);
    // B's contract stayed as B left it.
    assert_eq!(
        contracts::get(&db, &b.business.id, &theirs.id)
            .await
            .unwrap()
            .status,
        ContractStatus::Sent
    );
}
backend_test!(signatures_of_another_business_are_not_found => signature_isolation_sqlite, signature_isolation_postgres);

async fn proposal(db: &Db, t: &crate::fixtures::Tenant) -> Proposal {
    proposals::create(
        db,
        &t.business.id,
        NewProposal {
            customer_id: t.customer.id.clone(),
            title: "הצעת מחיר לשיפוץ".into(),
            items: vec![
                LineItem::new("צביעת דירה", 1, 450_000),
                LineItem::new("החלפת ברזים", 3, 35_050),
            ],
            valid_until: Some(crm_svc::time::now() + chrono::Duration::days(30)),
        },
    )
    .await
    .unwrap()
}

async fn a_proposal_is_signed_as_its_items_and_becomes_accepted(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let bid = &t.business.id;
    let p = proposal(&db, &t).await;
    let link = signatures::create_proposal_link(&db, bid, &p.id, ttl())
        .await
        .unwrap();
    assert_eq!(link.document, DocumentRef::Proposal(p.id.clone()));
    assert_eq!(
        proposals::get(&db, bid, &p.id).await.unwrap().status,
        ProposalStatus::Sent
    );

    let doc = signatures::signing_document(&db, &link.token)
        .await
        .unwrap();
    assert_eq!(doc.document, DocumentRef::Proposal(p.id.clone()));
    assert_eq!(doc.title, "הצעת מחיר לשיפוץ");
    let lines: Vec<&str> = doc.body.lines().collect();
    assert_eq!(lines[0], "צביעת דירה — 1 × ₪4,500.00 = ₪4,500.00");
    assert_eq!(lines[1], "החלפת ברזים — 3 × ₪350.50 = ₪1,051.50");
    assert_eq!(lines[2], "סה״כ לפני מע״מ: ₪5,551.50");
    assert!(lines[3].starts_with("בתוקף עד: "), "{}", lines[3]);
    assert_eq!(doc.document_sha256, document_sha256(&doc.title, &doc.body));

    let signed = signatures::sign(&db, &link.token, signing("רונית כהן", &doc.document_sha256))
        .await
        .unwrap();
    assert_eq!(signed.proposal_id.as_ref(), Some(&p.id));
    assert_eq!(signed.contract_id, None);
    assert_eq!(signed.document_sha256, Some(doc.document_sha256));
    assert_eq!(
        proposals::get(&db, bid, &p.id).await.unwrap().status,
        ProposalStatus::Accepted
    );
    // Spent: the link and any other link of the proposal are gone; no new link either.
    assert_gone(signatures::signing_document(&db, &link.token).await);
    assert_conflict(signatures::create_proposal_link(&db, bid, &p.id, ttl()).await);

    let listed = signatures::list_for_proposal(&db, bid, &p.id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].signer_name.as_deref(), Some("רונית כהן"));
    assert_eq!(listed[0].image_png, None, "lists carry no images");
    let full = signatures::get(&db, bid, &listed[0].id).await.unwrap();
    assert_eq!(
        full.image_png,
        Some(signatures::reencode_png(&png()).unwrap())
    );
}
backend_test!(a_proposal_is_signed_as_its_items_and_becomes_accepted => proposal_signature_sqlite, proposal_signature_postgres);

async fn closed_or_expired_proposals_cannot_be_signed(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let bid = &t.business.id;

    // Rejected after the link was made: the link is gone, and no new link.
    let p = proposal(&db, &t).await;
    let link = signatures::create_proposal_link(&db, bid, &p.id, ttl())
        .await
        .unwrap();
    let patch = ProposalPatch {
        status: Some(ProposalStatus::Rejected),
        ..ProposalPatch::default()
    };
    let shown = signatures::proposal_sha256(&p).unwrap();
    proposals::update(&db, bid, &p.id, patch).await.unwrap();
    assert_gone(signatures::sign(&db, &link.token, signing("דנה", &shown)).await);
    assert_conflict(signatures::create_proposal_link(&db, bid, &p.id, ttl()).await);
    assert_eq!(
        proposals::get(&db, bid, &p.id).await.unwrap().status,
        ProposalStatus::Rejected
    );

    // Past its valid_until: no link, and an earlier link is gone.
    let p = proposal(&db, &t).await;
    let link = signatures::create_proposal_link(&db, bid, &p.id, ttl())
        .await
        .unwrap();
    let patch = ProposalPatch {
        valid_until: Some(Some(crm_svc::time::now() - chrono::Duration::minutes(1))),
        ..ProposalPatch::default()
    };
    proposals::update(&db, bid, &p.id, patch).await.unwrap();
    let shown =
        signatures::proposal_sha256(&proposals::get(&db, bid, &p.id).await.unwrap()).unwrap();
    assert_gone(signatures::signing_document(&db, &link.token).await);
    assert_gone(signatures::sign(&db, &link.token, signing("דנה", &shown)).await);
    assert_conflict(signatures::create_proposal_link(&db, bid, &p.id, ttl()).await);

    // Another business's proposal is not found.
    let other = tenant(&db, "אחר", 2).await;
    let theirs = proposal(&db, &other).await;
    assert_not_found(signatures::create_proposal_link(&db, bid, &theirs.id, ttl()).await);
    assert_not_found(signatures::list_for_proposal(&db, bid, &theirs.id).await);
    assert_eq!(
        proposals::get(&db, &other.business.id, &theirs.id)
            .await
            .unwrap()
            .status,
        ProposalStatus::Draft
    );
}
backend_test!(closed_or_expired_proposals_cannot_be_signed => proposal_signature_closed_sqlite, proposal_signature_closed_postgres);
