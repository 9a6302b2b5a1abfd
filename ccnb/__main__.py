from ccnb.cli import main

raise SystemExit(main())
