//! A strict local Azure Speech emulator (work in progress).
