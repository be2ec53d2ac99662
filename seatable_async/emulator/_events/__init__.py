"""What happens, for whoever listens: the event bus of dtable-server operations, row writes
that publish their operation, row activities, and the request counters (`EmulatorStats`)."""
