//! SUSE supportconfig files: concatenations of sections, each read as its own source.
