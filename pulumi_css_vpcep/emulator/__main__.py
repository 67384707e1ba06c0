"""``python -m pulumi_css_vpcep.emulator``: the same as ``css-vpcep emulator``."""

import sys

from ._command import main

sys.exit(main())
