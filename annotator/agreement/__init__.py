"""Inter-coder agreement (FACS practice, protocols.md): matching, measures, figures and the selectors that
apply the permission module's visibility to them."""
