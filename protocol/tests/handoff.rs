//! The `handoff` event's wire shape (issue 14): the same JSON the gateway sent before the
//! event was typed, so widgets of either age read it.

use serde_json::json;
use shopkeep_protocol::StreamEvent;

#[test]
fn a_handoff_event_keeps_the_untyped_wire_shape() {
    let event = StreamEvent::Handoff {
        state: "waiting".into(),
        notice: Some("person_will_reply".into()),
        minutes: Some(10),
        text: Some("A person will reply — usually within 10 minutes.".into()),
    };
    assert_eq!(event.name(), "handoff");
    let wire = serde_json::to_value(&event).unwrap();
    assert_eq!(
        wire,
        json!({"type": "handoff", "state": "waiting", "notice": "person_will_reply",
               "minutes": 10, "text": "A person will reply — usually within 10 minutes."})
    );
    let back: StreamEvent = serde_json::from_value(wire).unwrap();
    assert_eq!(back, event);
}

#[test]
fn a_quiet_handoff_event_carries_the_state_only() {
    let event = StreamEvent::Handoff {
        state: "human".into(),
        notice: None,
        minutes: None,
        text: None,
    };
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"type": "handoff", "state": "human"})
    );
    let back: StreamEvent =
        serde_json::from_value(json!({"type": "handoff", "state": "human"})).unwrap();
    assert_eq!(back, event);
}
