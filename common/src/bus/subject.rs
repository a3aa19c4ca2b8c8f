/// Whether `subject` matches the NATS-style `filter`: tokens split on `.`, `*` matches exactly one
/// token, a trailing `>` matches one or more.
pub fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut f = filter.split('.');
    let mut s = subject.split('.');
    loop {
        match (f.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn wildcards_follow_nats_rules() {
        assert!(subject_matches(">", "b1.call.started"));
        assert!(subject_matches("*.call.*", "b1.call.started"));
        assert!(subject_matches("b1.>", "b1.task.due"));
        assert!(subject_matches("b1.task.due", "b1.task.due"));
        assert!(!subject_matches("b1.>", "b2.task.due"));
        assert!(!subject_matches("*.call.*", "b1.call"));
        assert!(!subject_matches("*.call", "b1.call.started"));
        assert!(!subject_matches("b1.>", "b1"));
    }
}
