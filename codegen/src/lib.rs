//! Accord emitters.
