"""Pure decoding and image helpers: no Django here, so workers and tests use them directly."""
