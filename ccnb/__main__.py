from ccnb.pipeline.cli import main

raise SystemExit(main())
