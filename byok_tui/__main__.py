from byok_tui.cli import main

raise SystemExit(main())
