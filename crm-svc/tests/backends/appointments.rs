use crate::fixtures::{assert_not_found, at, invalid_field, tenant};
use crm_svc::{
    Db,
    appointments::{self, AppointmentPatch, NewAppointment},
    backend_test,
    ids::AppointmentId,
};

fn new(title: &str, start: i64, end: i64) -> NewAppointment {
    NewAppointment {
        title: title.into(),
        starts_at: at(start),
        ends_at: at(end),
        customer_id: None,
        notes: String::new(),
    }
}

async fn ranges_return_overlapping_appointments_in_start_order(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    // Minutes: [0,60) [50,120) [120,180) [200,260) [-30,500)
    let mut ids = Vec::new();
    for (i, (s, e)) in [(0, 60), (50, 120), (120, 180), (200, 260), (-30, 500)]
        .into_iter()
        .enumerate()
    {
        let mut n = new(&format!("פגישה {i}"), s, e);
        if i == 1 {
            n.customer_id = Some(t.customer.id.clone());
        }
        ids.push(appointments::create(&db, bid, n).await.unwrap().id);
    }
    appointments::create(&db, &other.business.id, new("של אחר", 0, 600))
        .await
        .unwrap();

    let range = |from: i64, to: i64| {
        let (db, bid) = (db.clone(), bid.clone());
        async move {
            appointments::list(&db, &bid, at(from), at(to), None)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect::<Vec<AppointmentId>>()
        }
    };
    let pick = |is: &[usize]| is.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    // [60, 120): touches [0,60) only at its end and [120,180) only at its start: neither
    // overlaps.
    assert_eq!(range(60, 120).await, pick(&[4, 1]));
    assert_eq!(range(0, 1_000).await, pick(&[4, 0, 1, 2, 3]));
    assert_eq!(range(180, 200).await, pick(&[4]));
    assert_eq!(range(600, 700).await, pick(&[]));
    let mine = appointments::list(&db, bid, at(-100), at(1_000), Some(t.customer.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        pick(&[1])
    );

    assert_eq!(
        invalid_field(appointments::list(&db, bid, at(10), at(10), None).await),
        "to"
    );
    assert_eq!(
        invalid_field(appointments::list(&db, bid, at(0), at(60 * 24 * 401), None).await),
        "to"
    );
}
backend_test!(ranges_return_overlapping_appointments_in_start_order => appointments_range_sqlite, appointments_range_postgres);

async fn create_and_update_validate(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    assert_eq!(
        invalid_field(appointments::create(&db, bid, new(" ", 0, 10)).await),
        "title"
    );
    assert_eq!(
        invalid_field(appointments::create(&db, bid, new("x", 10, 10)).await),
        "ends_at"
    );
    assert_eq!(
        invalid_field(appointments::create(&db, bid, new("x", 10, 5)).await),
        "ends_at"
    );
    let foreign = NewAppointment {
        customer_id: Some(other.customer.id.clone()),
        ..new("x", 0, 10)
    };
    assert_eq!(
        invalid_field(appointments::create(&db, bid, foreign).await),
        "customer_id"
    );

    let a = appointments::create(
        &db,
        bid,
        NewAppointment {
            customer_id: Some(t.customer.id.clone()),
            notes: "להביא מסמכים".into(),
            ..new(" ייעוץ ", 0, 45)
        },
    )
    .await
    .unwrap();
    assert_eq!(a.title, "ייעוץ");
    assert_eq!(appointments::get(&db, bid, &a.id).await.unwrap(), a);

    let moved = appointments::update(
        &db,
        bid,
        &a.id,
        AppointmentPatch {
            starts_at: Some(at(60)),
            ends_at: Some(at(90)),
            customer_id: Some(None),
            ..AppointmentPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((moved.starts_at, moved.ends_at), (at(60), at(90)));
    assert_eq!(
        (&moved.customer_id, moved.notes.as_str()),
        (&None, "להביא מסמכים")
    );
    // Moving the start past the end is refused and changes nothing.
    let bad = AppointmentPatch {
        starts_at: Some(at(100)),
        ..AppointmentPatch::default()
    };
    assert_eq!(
        invalid_field(appointments::update(&db, bid, &a.id, bad).await),
        "ends_at"
    );
    assert_eq!(appointments::get(&db, bid, &a.id).await.unwrap(), moved);

    appointments::delete(&db, bid, &a.id).await.unwrap();
    assert_not_found(appointments::get(&db, bid, &a.id).await);
    assert_not_found(appointments::delete(&db, bid, &a.id).await);
}
backend_test!(create_and_update_validate => appointments_validate_sqlite, appointments_validate_postgres);

async fn appointments_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = appointments::create(&db, &b.business.id, new("של ב", 0, 30))
        .await
        .unwrap();
    let aid = &a.business.id;
    assert_not_found(appointments::get(&db, aid, &theirs.id).await);
    assert_not_found(
        appointments::update(
            &db,
            aid,
            &theirs.id,
            AppointmentPatch {
                title: Some("נחטף".into()),
                ..AppointmentPatch::default()
            },
        )
        .await,
    );
    assert_not_found(appointments::delete(&db, aid, &theirs.id).await);
    assert!(
        appointments::list(&db, aid, at(-60), at(60), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        appointments::get(&db, &b.business.id, &theirs.id)
            .await
            .unwrap(),
        theirs
    );
}
backend_test!(appointments_of_another_business_are_not_found => appointments_isolation_sqlite, appointments_isolation_postgres);
