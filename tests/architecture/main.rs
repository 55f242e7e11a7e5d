//! The shape of the code and of its documentation, checked on every run.

mod docs;
mod layout;
mod naming;
mod provider_lists;
mod scripts;
