//! Web Push subscriptions on both backends: idempotent on the endpoint (a browser signing in as
//! another user moves to that user), listed per business, deleted per user or by endpoint.

use crate::fixtures::tenant;
use crm_svc::{
    Db, Error, backend_test,
    push_subscriptions::{self, NewPushSubscription},
};

fn sub(n: u8) -> NewPushSubscription {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let mut key = vec![n; 65];
    key[0] = 4;
    NewPushSubscription {
        endpoint: format!("https://push.example.com/send/{n}"),
        p256dh: b64(&key),
        auth: b64(&[n; 16]),
    }
}

async fn subscriptions_are_per_user_and_idempotent_on_the_endpoint(db: Db) {
    let a = tenant(&db, "עסק א", 1).await;
    let b = tenant(&db, "עסק ב", 2).await;
    let (ab, au) = (&a.business.id, &a.user.id);

    let first = push_subscriptions::save(&db, ab, au, sub(1)).await.unwrap();
    let mut changed = sub(1);
    changed.auth = sub(2).auth;
    let again = push_subscriptions::save(&db, ab, au, changed.clone())
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.auth, changed.auth);
    push_subscriptions::save(&db, ab, au, sub(3)).await.unwrap();
    let listed = push_subscriptions::list(&db, ab).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        push_subscriptions::list(&db, &b.business.id)
            .await
            .unwrap()
            .is_empty()
    );

    // A user of another business cannot be named; an invalid subscription is refused.
    assert!(matches!(
        push_subscriptions::save(&db, ab, &b.user.id, sub(4)).await,
        Err(Error::NotFound("user"))
    ));
    let mut bad = sub(5);
    bad.endpoint = "http://push.example.com/x".into();
    assert!(matches!(
        push_subscriptions::save(&db, ab, au, bad).await,
        Err(Error::Validation {
            field: "endpoint",
            ..
        })
    ));

    // The same browser signing in to the other business moves there.
    let moved = push_subscriptions::save(&db, &b.business.id, &b.user.id, sub(3))
        .await
        .unwrap();
    assert_eq!(moved.business_id, b.business.id);
    assert_eq!(push_subscriptions::list(&db, ab).await.unwrap().len(), 1);

    // Deleting: only the user's own (when named), or any user's of the business by endpoint.
    let endpoint = sub(1).endpoint;
    assert!(
        !push_subscriptions::delete(&db, ab, Some(&b.user.id), &endpoint)
            .await
            .unwrap()
    );
    assert!(
        !push_subscriptions::delete(&db, &b.business.id, None, &endpoint)
            .await
            .unwrap()
    );
    assert!(
        push_subscriptions::delete(&db, ab, None, &endpoint)
            .await
            .unwrap()
    );
    assert!(push_subscriptions::list(&db, ab).await.unwrap().is_empty());
    assert!(
        push_subscriptions::delete(&db, &b.business.id, Some(&b.user.id), &sub(3).endpoint)
            .await
            .unwrap()
    );
}
backend_test!(subscriptions_are_per_user_and_idempotent_on_the_endpoint
    => subscriptions_are_per_user_and_idempotent_on_the_endpoint_sqlite,
       subscriptions_are_per_user_and_idempotent_on_the_endpoint_postgres);
