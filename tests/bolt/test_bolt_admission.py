"""The Bolt admission counts, without a server: which connection is refused for which
cap, and that any sequence of connections arriving, authenticating, logging off and
leaving keeps the counts within the caps and back at zero once all have left."""

from hypothesis import given
from hypothesis import strategies as st

from kgmem.bolt.admission import (
    CONNECTIONS,
    PER_ADDRESS,
    UNAUTHENTICATED,
    UNAUTHENTICATED_PER_ADDRESS,
    Admission,
    Caps,
    Ticket,
    client_of,
)

CAPS = Caps(most=6, most_per_address=4, most_unauthenticated=3, most_unauthenticated_per_address=2)


def test_unauthenticated_connections_take_only_their_own_places() -> None:
    admission = Admission(CAPS)
    a, b = admission.enter("a"), admission.enter("a")
    assert admission.refusal("a") == UNAUTHENTICATED_PER_ADDRESS
    admission.enter("b")
    assert admission.refusal("c") == UNAUTHENTICATED  # 3 waiting, from anywhere
    a.authenticated(True)
    b.authenticated(True)
    assert admission.refusal("a") is None  # authenticated ones leave the waiting count
    admission.enter("a").authenticated(True)
    assert admission.refusal("a") is None
    admission.enter("a").authenticated(True)
    assert admission.refusal("a") == PER_ADDRESS
    admission.enter("c").authenticated(True)
    assert admission.refusal("d") == CONNECTIONS


def test_logoff_counts_the_connection_as_unauthenticated_again() -> None:
    admission = Admission(CAPS)
    ticket = admission.enter("a")
    ticket.authenticated(True)
    admission.enter("a")
    assert admission.refusal("a") is None
    ticket.authenticated(False)
    assert admission.refusal("a") == UNAUTHENTICATED_PER_ADDRESS
    ticket.leave()
    ticket.leave()  # once only
    assert admission.refusal("a") is None
    assert admission.open == 1 and admission.unauthenticated == 1


def test_an_ipv6_client_counts_by_its_64_network_and_a_mapped_ipv4_as_itself() -> None:
    assert client_of("2001:db8:1:2:aaaa::1") == client_of("2001:db8:1:2:bbbb::9")
    assert client_of("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert client_of("2001:db8:1:3::1") != client_of("2001:db8:1:2::1")
    assert client_of("::ffff:192.0.2.7") == client_of("192.0.2.7") == "192.0.2.7"
    assert client_of("") == ""


# An operation: (0 arrive, 1 authenticate, 2 log off, 3 leave), an address, a ticket.
operations = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["a", "b", "c"]), st.integers(0, 20)),
    max_size=80,
)


@given(operations)
def test_any_sequence_stays_within_the_caps_and_ends_at_zero(
    steps: list[tuple[int, str, int]],
) -> None:
    admission = Admission(CAPS)
    tickets: list[Ticket] = []
    for op, address, which in steps:
        if op == 0:
            if admission.refusal(address) is None:
                tickets.append(admission.enter(address))
                waiting = admission.unauthenticated_by_address[address]
                assert waiting <= CAPS.most_unauthenticated_per_address
                assert admission.unauthenticated <= CAPS.most_unauthenticated
        elif tickets:
            ticket = tickets[which % len(tickets)]
            if op == 3:
                ticket.leave()
                tickets.remove(ticket)
            else:
                ticket.authenticated(op == 1)
        assert admission.open == len(tickets) <= CAPS.most
        assert max(admission.by_address.values(), default=0) <= CAPS.most_per_address
        waiting = [t for t in tickets if not t.is_authenticated]
        assert admission.unauthenticated == len(waiting)
    for ticket in tickets:
        ticket.leave()
    assert admission.open == admission.unauthenticated == 0
    assert not admission.by_address and not admission.unauthenticated_by_address
