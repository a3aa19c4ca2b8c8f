use crm_svc::{
    Db, backend_test,
    event_consumer::queries::ProcessedEvent,
    outbox::queries::OutboxRow,
    retention::{self, OUTBOX_KEEP, PROCESSED_KEEP, Pruned},
    schema::{outbox, processed_events},
    time,
};
use diesel::prelude::*;

fn outbox_row(id: &str, created_days_ago: i64, published_days_ago: Option<i64>) -> OutboxRow {
    let now = time::now();
    OutboxRow {
        id: id.into(),
        subject: format!("al.b.task.{id}"),
        payload: vec![1, 2, 3],
        created_at: now - chrono::Duration::days(created_days_ago),
        published_at: published_days_ago.map(|d| now - chrono::Duration::days(d)),
    }
}

fn processed(consumer: &str, id: &str, days_ago: i64) -> ProcessedEvent {
    ProcessedEvent {
        consumer: consumer.into(),
        event_id: id.into(),
        processed_at: time::now() - chrono::Duration::days(days_ago),
    }
}

async fn old_bookkeeping_goes_and_the_rest_stays(db: Db) {
    let keep_outbox = OUTBOX_KEEP.num_days();
    let keep_processed = PROCESSED_KEEP.num_days();
    let rows = vec![
        outbox_row("old-published", keep_outbox + 3, Some(keep_outbox + 2)),
        outbox_row("old-published-2", keep_outbox + 3, Some(keep_outbox + 1)),
        outbox_row("recent-published", 1, Some(1)),
        // Never published: kept however old, the relay still owes it.
        outbox_row("old-unpublished", keep_outbox + 30, None),
    ];
    let ids = vec![
        processed("crm-svc", "e-old-1", keep_processed + 1),
        processed("crm-svc", "e-old-2", keep_processed + 5),
        processed("notify-push", "e-old-1", keep_processed + 2),
        processed("crm-svc", "e-recent", keep_processed - 1),
    ];
    db.run(move |conn| {
        // One row per statement: MultiConnection has no multi-row insert.
        for row in &rows {
            diesel::insert_into(outbox::table)
                .values(row)
                .execute(conn)?;
        }
        for id in &ids {
            diesel::insert_into(processed_events::table)
                .values(id)
                .execute(conn)?;
        }
        Ok(())
    })
    .await
    .unwrap();

    // Batches of one: the loop goes on until nothing old is left.
    let pruned = retention::prune(&db, time::now(), 1).await.unwrap();
    assert_eq!(
        pruned,
        Pruned {
            outbox: 2,
            processed_events: 3
        }
    );
    let (mut left_outbox, mut left_ids) = db
        .run(|conn| {
            let o: Vec<String> = outbox::table.select(outbox::id).load(conn)?;
            let p: Vec<(String, String)> = processed_events::table
                .select((processed_events::consumer, processed_events::event_id))
                .load(conn)?;
            Ok((o, p))
        })
        .await
        .unwrap();
    left_outbox.sort();
    left_ids.sort();
    assert_eq!(left_outbox, ["old-unpublished", "recent-published"]);
    assert_eq!(left_ids, [("crm-svc".to_string(), "e-recent".to_string())]);

    // Nothing more to do.
    assert_eq!(
        retention::prune(&db, time::now(), 1000).await.unwrap(),
        Pruned::default()
    );
}
backend_test!(old_bookkeeping_goes_and_the_rest_stays => retention_sqlite, retention_postgres);
