//! Unit tests of the docks domain, on worlds built from small scenarios.
