//! The WhatsApp session lease: one holder per business across bridge replicas. Concurrent
//! acquirers get exactly one grant, its holder renews it, another holder takes it once it expired,
//! and only the holder releases it.

use crate::fixtures::{at, tenant};
use crm_svc::{Db, backend_test, error::Error, ids::BusinessId, whatsapp::lease as whatsapp_lease};
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

/// Holders `a` and `b` ask for the lease of each business at the same time (`now`); the holders
/// that were granted, one entry per business.
async fn race(db: &Db, businesses: &[BusinessId], now: chrono::NaiveDateTime) -> Vec<Vec<String>> {
    let mut tasks = Vec::new();
    for business in businesses {
        for holder in ["replica-a", "replica-b"] {
            let (db, business) = (db.clone(), business.clone());
            tasks.push(tokio::spawn(async move {
                let addr = format!("http://{holder}:50055");
                let got = whatsapp_lease::acquire_at(&db, &business, holder, &addr, TTL, now)
                    .await
                    .unwrap();
                (business, holder, got)
            }));
        }
    }
    let mut winners = vec![Vec::new(); businesses.len()];
    for task in tasks {
        let (business, holder, got) = task.await.unwrap();
        let i = businesses.iter().position(|b| *b == business).unwrap();
        if got.granted {
            assert_eq!(got.lease.holder, holder);
            assert_eq!(got.lease.holder_addr, format!("http://{holder}:50055"));
            winners[i].push(holder.to_string());
        } else {
            assert_ne!(got.lease.holder, holder, "a refusal names the other holder");
        }
    }
    winners
}

async fn two_holders_racing_get_one_grant(db: Db) {
    let mut businesses = Vec::new();
    for n in 0..12 {
        businesses.push(tenant(&db, &format!("עסק {n}"), n).await.business.id);
    }
    // No lease yet: the racers insert.
    let winners = race(&db, &businesses, at(0)).await;
    for (business, w) in businesses.iter().zip(&winners) {
        assert_eq!(w.len(), 1, "{business}: granted to {w:?}");
        let held = whatsapp_lease::get_at(&db, business, at(0))
            .await
            .unwrap()
            .expect("held");
        assert_eq!(held.holder, w[0], "the stored holder is the one granted");
    }
    // Every lease expired: the racers update the old rows.
    let winners = race(&db, &businesses, at(10)).await;
    for (business, w) in businesses.iter().zip(&winners) {
        assert_eq!(w.len(), 1, "{business}: granted to {w:?} after expiry");
    }
}
backend_test!(two_holders_racing_get_one_grant
    => two_holders_racing_get_one_grant_sqlite, two_holders_racing_get_one_grant_postgres);

async fn the_holder_renews_others_wait_for_expiry(db: Db) {
    let business = tenant(&db, "עסק", 1).await.business.id;
    let a = whatsapp_lease::acquire_at(&db, &business, "a", "http://10.0.0.1:50055", TTL, at(0))
        .await
        .unwrap();
    assert!(a.granted);
    assert_eq!(a.lease.expires_at, at(0) + chrono::Duration::seconds(30));

    // Another holder before expiry: refused, told who holds it and where.
    let b = whatsapp_lease::acquire_at(&db, &business, "b", "http://10.0.0.2:50055", TTL, at(0))
        .await
        .unwrap();
    assert!(!b.granted);
    assert_eq!(
        (b.lease.holder.as_str(), b.lease.holder_addr.as_str()),
        ("a", "http://10.0.0.1:50055")
    );

    // The holder renews: the lease is extended from the renewal.
    let renewed = whatsapp_lease::acquire_at(
        &db,
        &business,
        "a",
        "http://10.0.0.1:50055",
        TTL,
        at(0) + chrono::Duration::seconds(20),
    )
    .await
    .unwrap();
    assert!(renewed.granted);
    assert_eq!(
        renewed.lease.expires_at,
        at(0) + chrono::Duration::seconds(50)
    );
    // Past the first expiry but before the renewed one: still a's.
    let b = whatsapp_lease::acquire_at(
        &db,
        &business,
        "b",
        "",
        TTL,
        at(0) + chrono::Duration::seconds(40),
    )
    .await
    .unwrap();
    assert!(!b.granted);
    assert_eq!(
        whatsapp_lease::get_at(&db, &business, at(0) + chrono::Duration::seconds(40))
            .await
            .unwrap()
            .map(|l| l.holder),
        Some("a".to_string())
    );

    // Expired: nobody holds it, and b takes it over.
    assert_eq!(
        whatsapp_lease::get_at(&db, &business, at(0) + chrono::Duration::seconds(50))
            .await
            .unwrap(),
        None,
        "an expired lease is no lease"
    );
    let b = whatsapp_lease::acquire_at(
        &db,
        &business,
        "b",
        "http://10.0.0.2:50055",
        TTL,
        at(0) + chrono::Duration::seconds(50),
    )
    .await
    .unwrap();
    assert!(b.granted);
    assert_eq!(b.lease.holder_addr, "http://10.0.0.2:50055");
    let a = whatsapp_lease::acquire_at(
        &db,
        &business,
        "a",
        "http://10.0.0.1:50055",
        TTL,
        at(0) + chrono::Duration::seconds(51),
    )
    .await
    .unwrap();
    assert!(!a.granted, "the old holder lost it");
}
backend_test!(the_holder_renews_others_wait_for_expiry
    => the_holder_renews_others_wait_for_expiry_sqlite, the_holder_renews_others_wait_for_expiry_postgres);

async fn only_the_holder_releases(db: Db) {
    let business = tenant(&db, "עסק", 1).await.business.id;
    let now = crm_svc::time::now();
    assert!(
        whatsapp_lease::acquire(&db, &business, "a", "", TTL)
            .await
            .unwrap()
            .granted
    );
    assert!(!whatsapp_lease::release(&db, &business, "b").await.unwrap());
    let held = whatsapp_lease::get(&db, &business)
        .await
        .unwrap()
        .expect("still held");
    assert_eq!(held.holder, "a", "a non-holder's release changed nothing");
    assert!(held.expires_at > now);

    assert!(whatsapp_lease::release(&db, &business, "a").await.unwrap());
    assert_eq!(whatsapp_lease::get(&db, &business).await.unwrap(), None);
    assert!(
        !whatsapp_lease::release(&db, &business, "a").await.unwrap(),
        "nothing left"
    );
    assert!(
        whatsapp_lease::acquire(&db, &business, "b", "", TTL)
            .await
            .unwrap()
            .granted,
        "released: free for anyone"
    );
}
backend_test!(only_the_holder_releases
    => only_the_holder_releases_sqlite, only_the_holder_releases_postgres);

async fn bad_requests_are_refused(db: Db) {
    let business = tenant(&db, "עסק", 1).await.business.id;
    let err = whatsapp_lease::acquire(&db, &BusinessId::from("no-such-business"), "a", "", TTL)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound("business")), "{err:?}");
    for (holder, ttl, field) in [
        ("", TTL, "holder"),
        ("a", Duration::from_millis(10), "ttl_ms"),
        ("a", Duration::from_secs(3600), "ttl_ms"),
    ] {
        let err = whatsapp_lease::acquire(&db, &business, holder, "", ttl)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: f, .. } if f == field),
            "{err:?}"
        );
    }
    assert_eq!(whatsapp_lease::get(&db, &business).await.unwrap(), None);
}
backend_test!(bad_requests_are_refused
    => bad_requests_are_refused_sqlite, bad_requests_are_refused_postgres);
