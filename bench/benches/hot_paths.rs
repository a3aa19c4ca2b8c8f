//! Paths every call and message goes through: phone normalisation (each inbound call and
//! WhatsApp message), the event envelope (encode, subject, decode), the in-process bus in memory
//! and with its journal on disk (the embedded default: every publish waits for its fsync, which
//! concurrent publishers share).

use agentlocator_common::{
    bus::{ConsumerSpec, EventBus, MemoryBus},
    phone::normalize_il,
};
use agentlocator_proto::{
    Event, new_event, subject_for,
    v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use prost::Message;
use std::hint::black_box;

fn phone(c: &mut Criterion) {
    let mut g = c.benchmark_group("phone");
    for input in ["050-1234567", "+972-50-123-4567", "not a phone"] {
        g.bench_with_input(BenchmarkId::new("normalize_il", input), input, |b, i| {
            b.iter(|| normalize_il(black_box(i)))
        });
    }
    g.finish();
}

fn sample_event() -> Event {
    new_event(
        "0196b7a0-0000-7000-8000-000000000001",
        Payload::Whatsapp(WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            provider_message_id: "3EB0C431C26A1916E0B5".into(),
            direction: "inbound".into(),
            from_number: "+972501234567".into(),
            to_number: "+972521112233".into(),
            body: "שלום, אפשר לקבוע תור למחר בבוקר?".into(),
            status: "received".into(),
            customer_id: String::new(),
            ..Default::default()
        }),
    )
}

fn envelope(c: &mut Criterion) {
    let e = sample_event();
    let bytes = e.encode_to_vec();
    let mut g = c.benchmark_group("event");
    g.bench_function("encode", |b| b.iter(|| black_box(&e).encode_to_vec()));
    g.bench_function("decode", |b| {
        b.iter(|| Event::decode(black_box(bytes.as_slice())))
    });
    g.bench_function("subject", |b| b.iter(|| subject_for(black_box(&e))));
    g.finish();
}

fn memory_bus(c: &mut Criterion) {
    const N: u64 = 1_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("memory_bus");
    g.throughput(Throughput::Elements(N));
    g.bench_function("publish_consume_ack_1000", |b| {
        b.to_async(&rt).iter(|| async {
            let bus = MemoryBus::new("al");
            let mut sub = bus
                .subscribe(ConsumerSpec::new("bench", ">"))
                .await
                .unwrap();
            for _ in 0..N {
                bus.publish(&sample_event()).await.unwrap();
            }
            for _ in 0..N {
                sub.next().await.unwrap().unwrap().ack().await.unwrap();
            }
        })
    });
    g.finish();
}

/// 300 publishes to the journaled bus (a WhatsApp burst) with 1, 8 and 64 in flight: one fsync per
/// commit, and a commit takes every publish queued while the previous one was syncing.
fn journal_bus(c: &mut Criterion) {
    const N: usize = 300;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // On the disk the data lives on (a tmpfs /tmp would not sync at all).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let bus = std::sync::Arc::new(MemoryBus::open("al", &dir.path().join("events.db")).unwrap());
    let mut g = c.benchmark_group("journal_bus");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    for in_flight in [1, 8, 64] {
        g.bench_with_input(
            BenchmarkId::new("publish_300", in_flight),
            &in_flight,
            |b, &in_flight| {
                b.to_async(&rt).iter(|| {
                    futures::stream::iter(0..N)
                        .map(|_| {
                            let bus = bus.clone();
                            async move { bus.publish(&sample_event()).await.unwrap() }
                        })
                        .buffer_unordered(in_flight)
                        .collect::<Vec<()>>()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, phone, envelope, memory_bus, journal_bus);
criterion_main!(benches);
