//! Driving speech sessions over a WebSocket: the core frames and parses, this module moves bytes
//! between the socket, the audio source or sink, and the core.

pub mod recognize;
pub mod synthesize;
