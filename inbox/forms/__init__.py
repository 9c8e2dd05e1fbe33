"""The inbox's forms, one module per screen: queue, ticket, composer, search, scheduled (and
what they share: ids, filters). Every input goes through one of these before a service runs."""
