"""What a compile produces: the runtime's host program, and the on-disk compile cache."""
