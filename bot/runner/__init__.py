"""Running members' code: a bubblewrap jail with a bounded pool on this machine, or an
existing execution engine (Piston, Judge0) elsewhere; both behind `CodeRunner`."""
