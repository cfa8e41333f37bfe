// Uses the service the way a component would, then destroys it.
import { from, lastValueFrom } from 'rxjs';
import { PrimeService } from './PrimeService';

async function main(): Promise<void> {
  const service = new PrimeService();
  console.log('97 is prime:', await lastValueFrom(service.isPrime(97)));
  console.log('primes among 1..30:', (await lastValueFrom(service.primesAmong(from(Array.from({ length: 30 }, (_, i) => i + 1))))).join(' '));
  await service.ngOnDestroy();
}

void main();
