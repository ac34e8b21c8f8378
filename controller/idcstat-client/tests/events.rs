//! The `events` group: subscription joins the resolved group; notifications decode
//! into events; an overrun is reported so the caller re-dumps.

mod common;

use common::{idcstat_reply, kernel, Reply, ENOBUFS, EVENTS_GROUP};
use idcstat_client::attrs::DomainAttr;
use idcstat_client::message::IdcstatMessage;
use idcstat_client::{Event, EventStream, IdcstatClient, Transport};
use idcstat_uapi::family::cmd;

#[test]
fn notifications_become_events_and_overruns_are_reported() {
    let client = IdcstatClient::with_transport(kernel(|_, _| Vec::new())).unwrap();
    let mut stream = EventStream::subscribe(client).unwrap();
    let new = IdcstatMessage::domain(
        cmd::DOMAIN_NEW_NTF,
        vec![DomainAttr::Domid(4), DomainAttr::Generation(2)],
    );
    let gone = IdcstatMessage::domain(
        cmd::DOMAIN_DEPARTED_NTF,
        vec![DomainAttr::Domid(3), DomainAttr::Generation(1)],
    );
    let mut both = idcstat_reply(0, 0, new);
    both.extend(idcstat_reply(0, 0, gone));
    let transport = stream_transport(&mut stream);
    assert_eq!(transport.groups, vec![EVENTS_GROUP]);
    transport.push(Reply::Datagram(both));
    transport.push(Reply::Errno(ENOBUFS));
    match stream.next_event().unwrap() {
        Event::DomainAppeared(d) => assert_eq!((d.domid, d.generation), (4, 2)),
        other => panic!("unexpected {other:?}"),
    }
    match stream.next_event().unwrap() {
        Event::DomainDeparted(d) => assert_eq!((d.domid, d.generation), (3, 1)),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(stream.next_event().unwrap(), Event::Overrun);
}

fn stream_transport<T: Transport>(stream: &mut EventStream<T>) -> &mut T {
    stream.transport_mut()
}
