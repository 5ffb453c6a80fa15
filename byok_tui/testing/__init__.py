"""Test support shared by tests/, bench/ and tools/: one place for what drives the App in a test.

- `prepare`: states with earlier steps done through the engine (no UI), on a sandbox.
- `harness`: the shipped App on a sandbox world with everything that varies run to run pinned.
- `pilot`: wait for the data a test reads (`settle`), focus and set values directly, and the same
  by real keys (`keys_*`) for the few walkthroughs that prove the keyboard path.
- `flows`: "run this step up to its review page / applied", driving the real screens.
- `notes`: what the App notified, read through its public `notify`.

Never imported by the product at runtime (tests/unit/test_layering.py checks it): it pulls in the
sandbox and Textual's Pilot, which the wizard's start must not pay for.
"""
