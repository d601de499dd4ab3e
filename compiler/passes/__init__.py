"""The pass registry, textual pipelines that mix Python and upstream passes, and named stages."""
