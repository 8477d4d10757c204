"""The store's handle on its database: the pool with what rides along with it (the
graph's label and namespace caches, the failover state), the listeners on its
channels, its streaming replicas, and the supervisor and watchdog of an embedded
server. It sits above the graph core and the indexes, whose caches it carries; the
engine below it knows none of them."""
