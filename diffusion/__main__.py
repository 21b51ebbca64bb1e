import sys

from diffusion.cli import main

sys.exit(main())
