import { Controller, type MessageEvent, Query, Sse } from '@nestjs/common';
import { type Observable, map } from 'rxjs';
import { parseNumbers } from './parseNumbers';
import { PrimesService } from './PrimesService';

@Controller('primes')
export class PrimesController {
  constructor(private readonly primes: PrimesService) {}

  /**
   * `GET /primes?n=97,1000037` → one server-sent event per number, in the
   * order given: `data: {"n":"97","prime":true}`. Nest subscribes to the
   * Observable and unsubscribes when the client disconnects, which
   * interrupts the calls still running for it.
   */
  @Sse()
  check(@Query('n') n: unknown): Observable<MessageEvent> {
    return this.primes.check(parseNumbers(n)).pipe(map((answer) => ({ data: answer })));
  }
}
