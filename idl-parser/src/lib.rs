//! Accord front end.
