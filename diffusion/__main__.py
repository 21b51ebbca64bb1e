from diffusion.cli import run

run()
