"""The ``trackcast`` command line."""
