//! SMS specifics: phone numbers (E.164, country filters) and segment counting.

pub mod phone;
pub mod segments;
