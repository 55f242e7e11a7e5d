//! SMS specifics: phone numbers (E.164, region, type), where SMS may go
//! (regions and number types) and segment counting.

pub mod countries;
pub mod phone;
pub mod region;
pub mod segments;
