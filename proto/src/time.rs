use chrono::{DateTime, TimeZone, Utc};
use prost_types::Timestamp;

/// A UTC instant as a protobuf `Timestamp`.
pub fn to_timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// A protobuf `Timestamp` as a UTC instant; out-of-range values are `None`.
pub fn from_timestamp(t: &Timestamp) -> Option<DateTime<Utc>> {
    let nanos = u32::try_from(t.nanos).ok()?;
    Utc.timestamp_opt(t.seconds, nanos).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_nanoseconds() {
        let t = Utc.timestamp_opt(1_764_000_000, 123_456_789).unwrap();
        assert_eq!(from_timestamp(&to_timestamp(t)), Some(t));
    }

    #[test]
    fn negative_nanos_are_rejected() {
        let ts = Timestamp {
            seconds: 1,
            nanos: -5,
        };
        assert_eq!(from_timestamp(&ts), None);
    }
}
