//! Everything about Cognito itself: its events, its ciphertexts (decrypting,
//! diagnosing, minting) and its user directory.

pub mod decrypt;
pub mod directory;
pub mod esdk_header;
pub mod event;
pub mod key_arn;
pub mod keys;
pub mod mint;
