"""Things going wrong on purpose: injected faults, rate limits and quotas, and late commits
(writes answered with a 5xx that land later on the emulator clock)."""
