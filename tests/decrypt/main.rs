//! Decrypting Cognito's ciphertexts with KMS on moto: codes minted by the
//! Python Encryption SDK and by our own minter, foreign and tampered codes, key
//! rotation and per-pool keys.

mod key_rotation;
mod kms;
