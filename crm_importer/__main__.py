from crm_importer.cli import main

raise SystemExit(main())
