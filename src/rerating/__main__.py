from rerating.cli import main

raise SystemExit(main())
