use crate::fixtures::{assert_not_found, at, customer, invalid_field, outbox_subjects, tenant};
use agentlocator_proto::v1::{TaskEventKind, event::Payload};
use crm_svc::{
    Db, backend_test,
    ids::{BusinessId, TaskId},
    outbox::queries as outbox,
    tasks::queries::TaskFilter,
    tasks::{self, NewTask, TaskPatch},
};

fn titled(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        ..NewTask::default()
    }
}

async fn create_validates_and_announces_in_the_same_transaction(db: Db) {
    let a = tenant(&db, "עסק א", 1).await;
    let b = tenant(&db, "עסק ב", 2).await;
    let bid = &a.business.id;

    let t = tasks::create(
        &db,
        bid,
        NewTask {
            title: "  להתקשר ללקוח  ".into(),
            due_at: Some(at(60)),
            customer_id: Some(a.customer.id.clone()),
            assignee_id: Some(a.user.id.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(t.title, "להתקשר ללקוח");
    assert!(!t.done && t.done_at.is_none());
    assert_eq!(tasks::get(&db, bid, &t.id).await.unwrap(), t);

    assert_eq!(
        invalid_field(tasks::create(&db, bid, titled("   ")).await),
        "title"
    );
    assert_eq!(
        invalid_field(tasks::create(&db, bid, titled(&"א".repeat(201))).await),
        "title"
    );
    tasks::create(&db, bid, titled(&"א".repeat(200)))
        .await
        .expect("200 characters is allowed");
    // Another business's customer or user cannot be referenced.
    let foreign_customer = NewTask {
        customer_id: Some(b.customer.id.clone()),
        ..titled("x")
    };
    assert_eq!(
        invalid_field(tasks::create(&db, bid, foreign_customer).await),
        "customer_id"
    );
    let foreign_user = NewTask {
        assignee_id: Some(b.user.id.clone()),
        ..titled("x")
    };
    assert_eq!(
        invalid_field(tasks::create(&db, bid, foreign_user).await),
        "assignee_id"
    );
    assert_not_found(tasks::create(&db, &BusinessId::from("nope"), titled("x")).await);

    // Exactly the two successful creates announced themselves (customers announce too).
    let rows = db.run(outbox::all).await.unwrap();
    let task_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.subject.contains(".task."))
        .collect();
    assert_eq!(task_rows.len(), 2);
    assert_eq!(task_rows[0].subject, format!("al.{bid}.task.created"));
    let Some(Payload::Task(e)) = task_rows[0].decode().unwrap().payload else {
        panic!("not a task event")
    };
    assert_eq!(e.kind(), TaskEventKind::Created);
    assert_eq!(e.task_id, t.id.to_string());
    assert_eq!(e.customer_id, a.customer.id.to_string());
    assert_eq!(e.assignee_id, a.user.id.to_string());
}
backend_test!(create_validates_and_announces_in_the_same_transaction => tasks_create_sqlite, tasks_create_postgres);

async fn list_filters_sorts_and_paginates(db: Db) {
    let a = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &a.business.id;
    let c2 = customer(&db, &a.business, 3).await;
    // due: t0 +30, t1 none, t2 +10, t3 +20 (done), t4 none (customer 2)
    let mut ids = Vec::new();
    for (i, due) in [Some(30), None, Some(10), Some(20), None]
        .into_iter()
        .enumerate()
    {
        let t = tasks::create(
            &db,
            bid,
            NewTask {
                title: format!("משימה {i}"),
                due_at: due.map(at),
                customer_id: Some(if i == 4 {
                    c2.id.clone()
                } else {
                    a.customer.id.clone()
                }),
                assignee_id: None,
            },
        )
        .await
        .unwrap();
        ids.push(t.id);
    }
    tasks::update(
        &db,
        bid,
        &ids[3],
        TaskPatch {
            done: Some(true),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    tasks::create(&db, &other.business.id, titled("של עסק אחר"))
        .await
        .unwrap();

    let list = |filter: TaskFilter, sort: Option<&str>, page: i64, limit: i64| {
        let (db, bid) = (db.clone(), bid.clone());
        let sort = sort.map(|s| tasks::parse_sort(s).unwrap());
        async move {
            let p = tasks::list(&db, &bid, page, limit, filter, sort)
                .await
                .unwrap();
            (
                p.total,
                p.items.into_iter().map(|t| t.id).collect::<Vec<TaskId>>(),
            )
        }
    };
    let pick = |order: &[usize]| order.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    let undated_asc = {
        let mut v = vec![ids[1].clone(), ids[4].clone()];
        v.sort();
        v
    };

    // Default: due date ascending, undated last (ties by id).
    let (total, got) = list(TaskFilter::default(), None, 1, 25).await;
    assert_eq!(total, 5);
    assert_eq!(got[..3], pick(&[2, 3, 0]));
    assert_eq!(got[3..], undated_asc);
    let (_, got) = list(TaskFilter::default(), Some("due_at"), 1, 25).await;
    assert_eq!(got[..3], pick(&[2, 3, 0]));
    // Descending due date still puts undated tasks last.
    let (_, got) = list(TaskFilter::default(), Some("-due_at"), 1, 25).await;
    assert_eq!(got[..3], pick(&[0, 3, 2]));
    assert_eq!(
        got[3..],
        undated_asc.iter().rev().cloned().collect::<Vec<_>>()
    );
    let (_, got) = list(TaskFilter::default(), Some("created_at"), 1, 25).await;
    assert_eq!(got, pick(&[0, 1, 2, 3, 4]));
    let (_, got) = list(TaskFilter::default(), Some("-created_at"), 1, 25).await;
    assert_eq!(got, pick(&[4, 3, 2, 1, 0]));

    // Pagination.
    let (total, got) = list(TaskFilter::default(), Some("created_at"), 2, 2).await;
    assert_eq!((total, got), (5, pick(&[2, 3])));
    let (total, got) = list(TaskFilter::default(), Some("created_at"), 3, 2).await;
    assert_eq!((total, got), (5, pick(&[4])));

    // Filters.
    let by_customer = TaskFilter {
        customer_id: Some(c2.id.clone()),
        ..TaskFilter::default()
    };
    assert_eq!(list(by_customer, None, 1, 25).await, (1, pick(&[4])));
    let done = TaskFilter {
        done: Some(true),
        ..TaskFilter::default()
    };
    assert_eq!(list(done, None, 1, 25).await, (1, pick(&[3])));
    let open = TaskFilter {
        done: Some(false),
        ..TaskFilter::default()
    };
    assert_eq!(list(open, None, 1, 25).await.0, 4);
    // [due_after, due_before): 10 ≤ due < 30.
    let window = TaskFilter {
        due_after: Some(at(10)),
        due_before: Some(at(30)),
        ..TaskFilter::default()
    };
    assert_eq!(list(window, None, 1, 25).await, (2, pick(&[2, 3])));

    assert_eq!(
        invalid_field(tasks::list(&db, bid, 0, 10, TaskFilter::default(), None).await),
        "page"
    );
}
backend_test!(list_filters_sorts_and_paginates => tasks_list_sqlite, tasks_list_postgres);

async fn update_is_partial_and_done_is_announced_once(db: Db) {
    let a = tenant(&db, "עסק", 1).await;
    let b = tenant(&db, "אחר", 2).await;
    let bid = &a.business.id;
    let t = tasks::create(
        &db,
        bid,
        NewTask {
            title: "לשלוח הצעה".into(),
            due_at: Some(at(5)),
            customer_id: Some(a.customer.id.clone()),
            assignee_id: Some(a.user.id.clone()),
        },
    )
    .await
    .unwrap();
    // Pretend the due notification went out.
    {
        let id = t.id.clone();
        db.run(move |conn| {
            use crm_svc::schema::tasks::dsl;
            use diesel::prelude::*;
            diesel::update(dsl::tasks.filter(dsl::id.eq(id)))
                .set(dsl::notified_at.eq(Some(at(5))))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    }

    let renamed = tasks::update(
        &db,
        bid,
        &t.id,
        TaskPatch {
            title: Some(" כותרת חדשה ".into()),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.title, "כותרת חדשה");
    assert_eq!(renamed.due_at, Some(at(5)), "untouched fields stay");
    assert_eq!(renamed.notified_at, Some(at(5)));
    assert_eq!(renamed.customer_id.as_ref(), Some(&a.customer.id));

    // due_at to null, clear the assignee and the customer; moving the due date re-arms the
    // due notification.
    let cleared = tasks::update(
        &db,
        bid,
        &t.id,
        TaskPatch {
            due_at: Some(None),
            assignee_id: Some(None),
            customer_id: Some(None),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            cleared.due_at,
            &cleared.assignee_id,
            &cleared.customer_id,
            cleared.notified_at
        ),
        (None, &None, &None, None)
    );

    // Marking done sets done_at and announces task.done; doing it again changes nothing.
    let done = tasks::update(
        &db,
        bid,
        &t.id,
        TaskPatch {
            done: Some(true),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    assert!(done.done && done.done_at.is_some());
    let again = tasks::update(
        &db,
        bid,
        &t.id,
        TaskPatch {
            done: Some(true),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(again.done_at, done.done_at);
    let done_events = outbox_subjects(&db)
        .await
        .into_iter()
        .filter(|s| s.ends_with(".task.done"))
        .count();
    assert_eq!(done_events, 1);
    let reopened = tasks::update(
        &db,
        bid,
        &t.id,
        TaskPatch {
            done: Some(false),
            ..TaskPatch::default()
        },
    )
    .await
    .unwrap();
    assert!(!reopened.done && reopened.done_at.is_none());

    // A rejected change leaves the task as it was.
    let before = tasks::get(&db, bid, &t.id).await.unwrap();
    let bad = TaskPatch {
        title: Some("ok".into()),
        customer_id: Some(Some(b.customer.id.clone())),
        ..TaskPatch::default()
    };
    assert_eq!(
        invalid_field(tasks::update(&db, bid, &t.id, bad).await),
        "customer_id"
    );
    let bad = TaskPatch {
        assignee_id: Some(Some(b.user.id.clone())),
        ..TaskPatch::default()
    };
    assert_eq!(
        invalid_field(tasks::update(&db, bid, &t.id, bad).await),
        "assignee_id"
    );
    let bad = TaskPatch {
        title: Some(String::new()),
        ..TaskPatch::default()
    };
    assert_eq!(
        invalid_field(tasks::update(&db, bid, &t.id, bad).await),
        "title"
    );
    assert_eq!(tasks::get(&db, bid, &t.id).await.unwrap(), before);
}
backend_test!(update_is_partial_and_done_is_announced_once => tasks_update_sqlite, tasks_update_postgres);

async fn tasks_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = tasks::create(&db, &b.business.id, titled("של ב"))
        .await
        .unwrap();
    let mine = tasks::create(&db, &a.business.id, titled("של א"))
        .await
        .unwrap();
    let aid = &a.business.id;
    assert_not_found(tasks::get(&db, aid, &theirs.id).await);
    assert_not_found(
        tasks::update(
            &db,
            aid,
            &theirs.id,
            TaskPatch {
                done: Some(true),
                ..TaskPatch::default()
            },
        )
        .await,
    );
    assert_not_found(tasks::delete(&db, aid, &theirs.id).await);
    let page = tasks::list(&db, aid, 1, 100, TaskFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|t| &t.id).collect::<Vec<_>>(),
        vec![&mine.id]
    );
    // Filtering by B's customer from A finds nothing.
    let page = tasks::list(
        &db,
        aid,
        1,
        100,
        TaskFilter {
            customer_id: Some(b.customer.id.clone()),
            ..TaskFilter::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(page.total, 0);
    // B's task is untouched.
    assert!(
        !tasks::get(&db, &b.business.id, &theirs.id)
            .await
            .unwrap()
            .done
    );

    tasks::delete(&db, aid, &mine.id).await.unwrap();
    assert_not_found(tasks::get(&db, aid, &mine.id).await);
    assert_not_found(tasks::delete(&db, aid, &mine.id).await);
}
backend_test!(tasks_of_another_business_are_not_found => tasks_isolation_sqlite, tasks_isolation_postgres);
