"""Developer tools of Rotation Desk: not part of the runtime package (``rotation_addin``)."""
