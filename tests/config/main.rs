//! Configuration as users write it: the layers and their errors, the shipped
//! examples, and secret references resolved from SSM and Secrets Manager.

mod examples;
mod layering;
mod secrets;
