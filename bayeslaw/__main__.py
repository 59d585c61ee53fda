import sys

from bayeslaw.cli.main import main

sys.exit(main())
