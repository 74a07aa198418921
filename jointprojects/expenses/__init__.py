"""expenses."""
