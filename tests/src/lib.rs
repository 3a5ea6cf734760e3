//! Only tests live here: see `e2e/`.
