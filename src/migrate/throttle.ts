/** --max-bytes-per-second: a token bucket shared by every user of a run. */
export class Throttle {
  private available: number;
  private last = Date.now();
  constructor(private readonly rate: number) {
    this.available = rate;
  }

  async take(bytes: number): Promise<void> {
    if (this.rate <= 0) return;
    for (;;) {
      const now = Date.now();
      this.available = Math.min(this.rate, this.available + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.available >= Math.min(bytes, this.rate)) {
        this.available -= bytes;
        return;
      }
      const wait = ((Math.min(bytes, this.rate) - this.available) / this.rate) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(1, wait)));
    }
  }
}
