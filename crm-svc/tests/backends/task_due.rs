//! The task-due scheduler: a due task is marked notified and its `task.due` queued in the outbox
//! exactly once — also with two schedulers running at the same time.

use crate::fixtures::tenant;
use agentlocator_proto::v1::{TaskEventKind, event::Payload};
use chrono::Duration;
use crm_svc::{
    Db, backend_test,
    ids::TaskId,
    outbox::queries as outbox,
    task_scheduler,
    tasks::Task,
    tasks::{self, NewTask, TaskPatch},
    time,
};
use std::collections::HashMap;

/// How many `task.due` events the outbox holds, per task id.
async fn due_events(db: &Db) -> HashMap<String, usize> {
    let rows = db.run(outbox::all).await.unwrap();
    let mut counts = HashMap::new();
    for row in rows {
        let event = row.decode().unwrap();
        if let Some(Payload::Task(t)) = event.payload
            && t.kind == TaskEventKind::Due as i32
        {
            assert!(row.subject.ends_with(".task.due"), "{}", row.subject);
            *counts.entry(t.task_id).or_insert(0) += 1;
        }
    }
    counts
}

async fn task(db: &Db, t: &crate::fixtures::Tenant, title: &str, due_in_secs: Option<i64>) -> Task {
    tasks::create(
        db,
        &t.business.id,
        NewTask {
            title: title.into(),
            due_at: due_in_secs.map(|s| time::now() + Duration::seconds(s)),
            customer_id: Some(t.customer.id.clone()),
            assignee_id: None,
        },
    )
    .await
    .unwrap()
}

async fn due_open_unnotified_tasks_are_announced_once(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let due = task(&db, &t, "להתקשר ללקוח", Some(-60)).await;
    let future = task(&db, &t, "בעוד שעה", Some(3600)).await;
    let undated = task(&db, &t, "בלי תאריך", None).await;
    let done = task(&db, &t, "כבר בוצע", Some(-30)).await;
    tasks::update(
        &db,
        &t.business.id,
        &done.id,
        TaskPatch {
            done: Some(true),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();

    let announced = task_scheduler::announce_due(&db, time::now())
        .await
        .unwrap();
    assert_eq!(
        announced.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        vec![due.id.clone()]
    );
    assert!(announced[0].notified_at.is_some());
    // A second pass finds nothing new.
    assert!(
        task_scheduler::announce_due(&db, time::now())
            .await
            .unwrap()
            .is_empty()
    );
    let events = due_events(&db).await;
    assert_eq!(events.get(due.id.as_str()), Some(&1));
    for other in [&future, &undated, &done] {
        assert_eq!(events.get(other.id.as_str()), None, "{}", other.title);
    }
    // The event carries the task.
    let rows = db.run(outbox::all).await.unwrap();
    let payload = rows
        .iter()
        .filter_map(|r| match r.decode().unwrap().payload {
            Some(Payload::Task(p)) if p.kind == TaskEventKind::Due as i32 => Some(p),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(payload.title, "להתקשר ללקוח");
    assert_eq!(payload.customer_id, t.customer.id.as_str());
    assert!(payload.due_at.is_some());

    // Moving the due date makes the task due again: announced anew once it passes.
    tasks::update(
        &db,
        &t.business.id,
        &due.id,
        TaskPatch {
            due_at: Some(Some(time::now() - Duration::seconds(5))),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    let again = task_scheduler::announce_due(&db, time::now())
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(due_events(&db).await.get(due.id.as_str()), Some(&2));
}
backend_test!(due_open_unnotified_tasks_are_announced_once
    => due_open_unnotified_tasks_are_announced_once_sqlite, due_open_unnotified_tasks_are_announced_once_postgres);

/// Two schedulers race over a backlog larger than one batch: every task gets exactly one event.
async fn two_schedulers_announce_each_task_once(db: Db) {
    const N: usize = 450;
    let a = tenant(&db, "עסק א", 1).await;
    let b = tenant(&db, "עסק ב", 2).await;
    let mut ids: Vec<TaskId> = Vec::with_capacity(N);
    for i in 0..N {
        let t = if i % 2 == 0 { &a } else { &b };
        ids.push(task(&db, t, &format!("משימה {i}"), Some(-1)).await.id);
    }
    let pass = |db: Db| async move {
        let mut total = 0;
        loop {
            let n = task_scheduler::announce_due(&db, time::now())
                .await
                .unwrap()
                .len();
            total += n;
            if n == 0 {
                return total;
            }
        }
    };
    let (x, y, z) = tokio::join!(
        tokio::spawn(pass(db.clone())),
        tokio::spawn(pass(db.clone())),
        tokio::spawn(pass(db.clone()))
    );
    let (x, y, z) = (x.unwrap(), y.unwrap(), z.unwrap());
    assert_eq!(x + y + z, N, "announced {x} + {y} + {z}");
    let events = due_events(&db).await;
    assert_eq!(events.len(), N);
    for id in &ids {
        assert_eq!(events.get(id.as_str()), Some(&1), "task {id}");
    }
}
backend_test!(two_schedulers_announce_each_task_once
    => two_schedulers_announce_each_task_once_sqlite, two_schedulers_announce_each_task_once_postgres);
